#!/usr/bin/env python3
# The GstAxion-1.0 typelib from Python (python3-gi): every public accessor
# of the frame meta, the analysis meta and the alert meta, on buffers made
# here and on copies of them (the metas' transform), and the frame meta
# that axionmotion and axionhash attach in a real pipeline.
#
# Run with GI_TYPELIB_PATH/LD_LIBRARY_PATH (and GST_PLUGIN_PATH for the
# pipeline part) pointing at a build or an installed prefix
# (tests/install/test_install.sh runs it from the prefix).
import ctypes
import json
import re
import sys
import unittest

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstAxion", "1.0")
gi.require_version("GIRepository", "2.0")
from gi.repository import GIRepository, Gst, GstAxion  # noqa: E402

Gst.init(None)


def new_buffer():
    return Gst.Buffer.new_allocate(None, 16, None)


class FrameMeta(unittest.TestCase):
    def test_empty_meta_has_no_parts(self):
        buf = new_buffer()
        self.assertIsNone(GstAxion.buffer_get_frame_meta(buf))
        meta = GstAxion.buffer_add_axion_frame_meta(buf)
        self.assertIsNone(meta.get_camera_id())
        self.assertEqual(meta.get_frame_number(), (False, 0))
        self.assertFalse(meta.get_capture_time()[0])
        self.assertEqual(meta.get_motion()[0:2], (False, 0.0))
        self.assertIsNone(meta.get_frame_hash())
        self.assertEqual(meta.get_perceptual_hash(), (False, 0))
        self.assertEqual(meta.get_difference_hash(), (False, 0))
        self.assertEqual(meta.get_scene_hash(), (False, 0))
        self.assertFalse(meta.get_scene_change()[0])
        ok, q = meta.get_quality()
        self.assertFalse(ok)
        self.assertEqual(q.overall, 0.0)
        self.assertEqual(meta.get_inference()[0:2],
                         (False, GstAxion.InferenceState.NONE))
        self.assertEqual(meta.get_compressed_bytes(), (False, 0))
        self.assertFalse(meta.get_gate()[0])
        self.assertEqual(meta.get_snapshot(), (None, 0))
        self.assertEqual(meta.get_n_events(), 0)
        self.assertEqual(meta.get_event(0)[0], False)
        self.assertFalse(meta.has(GstAxion.FrameFields.CAMERA))

    def fill(self, meta):
        meta.set_camera_id("door-1")
        meta.set_frame_number(1234)
        meta.set_capture_time(1700000000123456,
                              GstAxion.CaptureTimeSource.NTP)
        meta.set_motion(0.25, GstAxion.MotionState.START)
        self.assertTrue(meta.set_frame_hash("0123456789abcdef" * 4))
        self.assertFalse(meta.set_frame_hash("not hex"))
        meta.set_perceptual_hash(0xFEDCBA9876543210)
        meta.set_difference_hash(0x0F0F0F0F0F0F0F0F)
        meta.set_scene_hash(42)
        meta.set_scene_change(0.5, 0.75)
        q = GstAxion.Quality()
        q.sharpness, q.brightness, q.contrast, q.noise, q.overall = (
            0.1, 0.2, 0.3, 0.4, 0.5)
        meta.set_quality(q)
        meta.set_inference(GstAxion.InferenceState.RAN, 3.5, 12.25)
        motion_id = meta.add_event(GstAxion.EventType.MOTION_START)
        self.assertGreater(motion_id, 0)
        self.assertTrue(meta.add_event_with_id(
            GstAxion.EventType.SCENE_CHANGE, 777))
        meta.set_compressed_bytes(4321)
        g = GstAxion.GateInfo()
        g.received, g.decoded, g.skipped_before, g.replayed = 30, 3, 9, True
        meta.set_gate(g)
        meta.set_snapshot("/snap/door-1/1.jpg", 1700000600000000)
        return motion_id

    def check(self, meta, motion_id):
        self.assertEqual(meta.get_camera_id(), "door-1")
        self.assertEqual(meta.get_frame_number(), (True, 1234))
        self.assertEqual(meta.get_capture_time()[:],
                         (True, 1700000000123456,
                          GstAxion.CaptureTimeSource.NTP))
        self.assertEqual(meta.get_motion()[:],
                         (True, 0.25, GstAxion.MotionState.START))
        self.assertEqual(meta.get_frame_hash(), "0123456789abcdef" * 4)
        self.assertEqual(meta.get_perceptual_hash(),
                         (True, 0xFEDCBA9876543210))
        self.assertEqual(meta.get_difference_hash(),
                         (True, 0x0F0F0F0F0F0F0F0F))
        self.assertEqual(meta.get_scene_hash(), (True, 42))
        self.assertEqual(meta.get_scene_change()[:], (True, 0.5, 0.75))
        ok, q = meta.get_quality()
        self.assertTrue(ok)
        self.assertEqual((q.sharpness, q.brightness, q.contrast, q.noise,
                          q.overall), (0.1, 0.2, 0.3, 0.4, 0.5))
        self.assertEqual(meta.get_inference()[:],
                         (True, GstAxion.InferenceState.RAN, 3.5, 12.25))
        self.assertEqual(meta.get_n_events(), 2)
        self.assertEqual(meta.get_event(0)[:],
                         (True, GstAxion.EventType.MOTION_START, motion_id))
        self.assertEqual(meta.get_event(1)[:],
                         (True, GstAxion.EventType.SCENE_CHANGE, 777))
        self.assertFalse(meta.get_event(2)[0])
        self.assertEqual(meta.get_compressed_bytes(), (True, 4321))
        ok, g = meta.get_gate()
        self.assertTrue(ok)
        self.assertEqual((g.received, g.decoded, g.skipped_before,
                          g.replayed, g.active), (30, 3, 9, True, False))
        self.assertEqual(meta.get_snapshot(),
                         ("/snap/door-1/1.jpg", 1700000600000000))
        # what a sink writes for the frame: the same events
        n, events = meta.sink_events(new_buffer())
        self.assertEqual(n, 2)
        self.assertEqual([(e.type, e.id) for e in events[:n]],
                         [(GstAxion.EventType.MOTION_START, motion_id),
                          (GstAxion.EventType.SCENE_CHANGE, 777)])
        self.assertEqual(
            meta.get_event_id(GstAxion.EventType.SCENE_CHANGE), 777)
        self.assertEqual(meta.get_event_id(GstAxion.EventType.QUALITY), 0)
        self.assertTrue(meta.has(GstAxion.FrameFields.CAMERA |
                                 GstAxion.FrameFields.MOTION |
                                 GstAxion.FrameFields.INFERENCE))
        # the plain fields read directly too
        self.assertEqual(meta.camera_id, "door-1")
        self.assertEqual(meta.frame_number, 1234)
        self.assertEqual(meta.motion_score, 0.25)
        self.assertEqual(meta.perceptual_hash, 0xFEDCBA9876543210)

    def test_every_part_reads_back(self):
        buf = new_buffer()
        meta = GstAxion.buffer_get_or_add_axion_frame_meta(buf)
        motion_id = self.fill(meta)
        self.check(GstAxion.buffer_get_frame_meta(buf), motion_id)
        # get_or_add returns the same meta, does not add a second
        again = GstAxion.buffer_get_or_add_axion_frame_meta(buf)
        self.assertEqual(again.get_camera_id(), "door-1")
        # a copy of the buffer carries a copy of the meta
        copy = buf.copy_deep()
        self.check(GstAxion.buffer_get_frame_meta(copy), motion_id)

    def test_event_names(self):
        self.assertEqual(
            GstAxion.event_type_db_name(GstAxion.EventType.MOTION_START),
            "motion")
        self.assertEqual(
            GstAxion.event_type_phase(GstAxion.EventType.MOTION_END), "end")
        self.assertIsNone(
            GstAxion.event_type_phase(GstAxion.EventType.SCENE_CHANGE))


def set_strv(boxed, struct, field, values):
    """Fill a gchar** field the way axionclaude does in C: python3-gi
    reads such fields but cannot write them. The field's offset comes from
    the typelib, the struct's address from the wrapper."""
    info = GIRepository.Repository.get_default().find_by_name("GstAxion",
                                                               struct)
    offset = None
    for i in range(GIRepository.struct_info_get_n_fields(info)):
        f = GIRepository.struct_info_get_field(info, i)
        if GIRepository.BaseInfo.get_name(f) == field:
            offset = GIRepository.field_info_get_offset(f)
    addr = int(re.search(r" at (0x[0-9a-f]+)\)", repr(boxed)).group(1), 16)
    glib = ctypes.CDLL("libglib-2.0.so.0")
    glib.g_strdupv.restype = ctypes.c_void_p
    glib.g_strdupv.argtypes = [ctypes.c_void_p]
    arr = (ctypes.c_char_p * (len(values) + 1))(
        *[v.encode() for v in values], None)
    ctypes.c_void_p.from_address(addr + offset).value = glib.g_strdupv(arr)


def make_analysis():
    a = GstAxion.Analysis.new()
    a.analysis_id = 501
    a.trigger_event_id = 777
    a.camera_id = "door-1"
    a.event_time_us = 1700000000123456
    a.frame_number = 1234
    a.request_type = "anomaly_detection"
    a.model = "claude-test"
    a.primary_insight = "a person at the door"
    a.confidence_score = 0.875
    a.risk_assessment = "high"
    a.should_alert = True
    a.alert_reason = "person at night"
    a.alert_severity = 4
    a.tokens_used = 321
    a.raw_json = "{}"
    set_strv(a, "Analysis", "objects_identified", ["person", "bicycle"])
    set_strv(a, "Analysis", "activities_detected", ["walking"])
    set_strv(a, "Analysis", "anomalies_flagged", ["night"])
    return a


class AnalysisMeta(unittest.TestCase):
    def test_analysis_reads_back(self):
        buf = new_buffer()
        self.assertEqual(GstAxion.buffer_get_n_analysis_metas(buf), 0)
        self.assertIsNone(GstAxion.buffer_get_analysis_meta(buf, 0))
        GstAxion.buffer_add_axion_analysis_meta(buf, make_analysis())
        second = make_analysis()
        second.analysis_id = 502
        GstAxion.buffer_add_axion_analysis_meta(buf, second)
        for b in (buf, buf.copy_deep()):
            self.assertEqual(GstAxion.buffer_get_n_analysis_metas(b), 2)
            a = GstAxion.buffer_get_analysis_meta(b, 0).get_analysis()
            self.assertEqual((a.analysis_id, a.trigger_event_id, a.camera_id),
                             (501, 777, "door-1"))
            self.assertEqual(a.primary_insight, "a person at the door")
            self.assertEqual(a.confidence_score, 0.875)
            self.assertTrue(a.should_alert)
            self.assertEqual(a.alert_severity, 4)
            self.assertEqual(a.tokens_used, 321)
            self.assertEqual(a.objects_identified, ["person", "bicycle"])
            self.assertEqual(a.activities_detected, ["walking"])
            self.assertEqual(a.anomalies_flagged, ["night"])
            self.assertIsNone(a.error)
            self.assertEqual(GstAxion.buffer_get_analysis_meta(b, 1)
                             .get_analysis().analysis_id, 502)
            self.assertIsNone(GstAxion.buffer_get_analysis_meta(b, 2))
        # the boxed type copies
        self.assertEqual(make_analysis().copy().model, "claude-test")


class AlertMeta(unittest.TestCase):
    def test_alert_reads_back(self):
        buf = new_buffer()
        self.assertEqual(GstAxion.alert_meta_count(buf), 0)
        self.assertIsNone(GstAxion.buffer_get_alert_meta(buf, 0))
        alert = GstAxion.Alert.new()
        alert.alert_id = 9001
        alert.type = GstAxion.AlertType.OBJECT
        alert.severity = 5
        alert.camera_id = "door-1"
        alert.rule = "person-at-night"
        alert.title = "person at the door"
        alert.frame_number = 1234
        set_strv(alert, "Alert", "detected_objects", ["person"])
        GstAxion.buffer_add_axion_alert_meta(buf, alert)
        from_analysis = GstAxion.Alert.new_from_analysis(make_analysis())
        GstAxion.buffer_add_axion_alert_meta(buf, from_analysis)
        for b in (buf, buf.copy_deep()):
            self.assertEqual(GstAxion.alert_meta_count(b), 2)
            a = GstAxion.buffer_get_alert_meta(b, 0).get_alert()
            self.assertEqual((a.alert_id, a.type, a.severity, a.camera_id,
                              a.rule, a.title, a.frame_number),
                             (9001, GstAxion.AlertType.OBJECT, 5, "door-1",
                              "person-at-night", "person at the door", 1234))
            self.assertEqual(a.detected_objects, ["person"])
            c = GstAxion.buffer_get_alert_meta(b, 1).get_alert()
            self.assertEqual((c.camera_id, c.claude_analysis_id,
                              c.trigger_event_id), ("door-1", 501, 777))
            self.assertEqual((c.severity, c.detected_objects),
                             (4, ["person", "bicycle"]))
            self.assertIsNone(GstAxion.buffer_get_alert_meta(b, 2))
        doc = json.loads(alert.to_json())
        self.assertEqual(doc["camera_id"], "door-1")
        self.assertEqual(
            GstAxion.alert_type_to_string(GstAxion.AlertType.ANOMALY),
            "anomaly")
        self.assertEqual(GstAxion.alert_type_from_string("pattern"),
                         (True, GstAxion.AlertType.PATTERN))
        self.assertFalse(GstAxion.alert_type_from_string("nope")[0])


class Pipeline(unittest.TestCase):
    """The metas the elements attach, read in a pad probe."""

    def test_probe_sees_motion_and_hashes(self):
        if Gst.ElementFactory.find("axionmotion") is None:
            self.skipTest("axion plugin not on GST_PLUGIN_PATH")
        p = Gst.parse_launch(
            "videotestsrc pattern=ball num-buffers=30 ! "
            "video/x-raw,width=160,height=120,framerate=10/1 ! videoconvert ! "
            "axionmotion name=m camera-id=cam7 ! axionhash ! fakesink name=s")
        seen = {"frames": 0, "motion_start": 0, "hashes": 0, "numbers": []}

        def probe(pad, info):
            meta = GstAxion.buffer_get_frame_meta(info.get_buffer())
            if meta is None or meta.get_camera_id() != "cam7":
                return Gst.PadProbeReturn.OK
            seen["frames"] += 1
            seen["numbers"].append(meta.get_frame_number()[1])
            if meta.get_frame_hash() and meta.get_perceptual_hash()[0]:
                seen["hashes"] += 1
            for i in range(meta.get_n_events()):
                if meta.get_event(i)[1] == GstAxion.EventType.MOTION_START:
                    seen["motion_start"] += 1
            return Gst.PadProbeReturn.OK

        p.get_by_name("s").get_static_pad("sink").add_probe(
            Gst.PadProbeType.BUFFER, probe)
        p.set_state(Gst.State.PLAYING)
        msg = p.get_bus().timed_pop_filtered(
            60 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        p.set_state(Gst.State.NULL)
        self.assertIsNotNone(msg)
        self.assertEqual(msg.type, Gst.MessageType.EOS)
        self.assertEqual(seen["frames"], 30)
        self.assertEqual(seen["numbers"], list(range(30)))
        self.assertEqual(seen["hashes"], 30)
        self.assertGreaterEqual(seen["motion_start"], 1)


if __name__ == "__main__":
    sys.exit(unittest.main(verbosity=2))
