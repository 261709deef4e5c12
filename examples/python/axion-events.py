#!/usr/bin/env python3
# axion-events: run an Axion pipeline and print, for every frame that
# produced camera events, the events and the frame's metadata, read from
# the GstAxionFrameMeta in a pad probe (through GObject-Introspection:
# python3-gi and the GstAxion-1.0 typelib, docs/install.md).
#
#   axion-events.py                       a generated camera (videotestsrc)
#   axion-events.py rtsp://cam/stream     a camera
#   axion-events.py --frames 300 --camera-id door
#   axion-events.py --rules 'motion, name=door, zone="0,0 0.5,0 0.5,1 0,1"'
#
# Output, one line per event:
#   cam1 frame 14 motion start id=388215307272036352 motion=0.012 phash=c3a1...
# one per alert of axionalert (its rules: --rules, default "motion"; '' for
# none; docs/elements/axionalert.md):
#   cam1 alert motion severity=3: Motion in view on cam1
# and one per scene analysis (axionclaude, when a pipeline has it).
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstAxion", "1.0")
from gi.repository import GLib, Gst, GstAxion  # noqa: E402


def describe_frame(meta):
    """The frame's parts that are set, as key=value text."""
    parts = []
    ok, score, _state = meta.get_motion()
    if ok:
        parts.append("motion=%.3f" % score)
    ok, phash = meta.get_perceptual_hash()
    if ok:
        parts.append("phash=%016x" % phash)
    frame_hash = meta.get_frame_hash()
    if frame_hash:
        parts.append("hash=%s" % frame_hash[:16])
    ok, prev, _ref = meta.get_scene_change()
    if ok:
        parts.append("scene-change=%.3f" % prev)
    return " ".join(parts)


def on_buffer(pad, info, counts):
    buf = info.get_buffer()
    meta = GstAxion.buffer_get_frame_meta(buf)
    if meta is not None:
        camera = meta.get_camera_id() or "?"
        _ok, number = meta.get_frame_number()
        for i in range(meta.get_n_events()):
            _ok, event_type, event_id = meta.get_event(i)
            name = GstAxion.event_type_db_name(event_type)
            phase = GstAxion.event_type_phase(event_type)
            if phase:
                name += " " + phase
            print("%s frame %d %s id=%d %s" % (
                camera, number, name, event_id, describe_frame(meta)),
                flush=True)
            counts["events"] += 1
    for i in range(GstAxion.alert_meta_count(buf)):
        alert = GstAxion.buffer_get_alert_meta(buf, i).get_alert()
        print("%s alert %s severity=%d: %s" % (
            alert.camera_id, GstAxion.alert_type_to_string(alert.type),
            alert.severity, alert.title), flush=True)
    for i in range(GstAxion.buffer_get_n_analysis_metas(buf)):
        a = GstAxion.buffer_get_analysis_meta(buf, i).get_analysis()
        print("%s analysis of event %d: %s" % (
            a.camera_id, a.trigger_event_id, a.primary_insight), flush=True)
    return Gst.PadProbeReturn.OK


def build(args):
    pipeline = Gst.Pipeline.new("axion-events")

    def make(factory, **props):
        e = Gst.ElementFactory.make(factory, None)
        if e is None:
            sys.exit("axion-events: no element %s: is its plugin installed "
                     "(gst-inspect-1.0 %s)?" % (factory, factory))
        for k, v in props.items():
            e.set_property(k.replace("_", "-"), v)
        pipeline.add(e)
        return e

    # the camera URL is a property value, never pipeline syntax
    if args.url:
        src = make("uridecodebin", uri=args.url)
    else:
        src = make("videotestsrc", pattern="ball", num_buffers=args.frames)
    convert = make("videoconvert")
    motion = make("axionmotion", camera_id=args.camera_id)
    hasher = make("axionhash")
    sink = make("fakesink", sync=False)
    chain = [convert, motion, hasher]
    if args.rules:
        # the rules are a property value, never pipeline syntax
        chain.append(make("axionalert", rules=args.rules))
    chain.append(sink)
    if args.url:
        def on_pad(_src, pad):
            caps = pad.get_current_caps() or pad.query_caps(None)
            if caps.get_structure(0).get_name().startswith("video/"):
                pad.link(convert.get_static_pad("sink"))
        src.connect("pad-added", on_pad)
    else:
        caps = make("capsfilter", caps=Gst.Caps.from_string(
            "video/x-raw,width=320,height=240,framerate=10/1"))
        src.link(caps)
        caps.link(convert)
    for a, b in zip(chain, chain[1:]):
        a.link(b)
    return pipeline, sink


def main():
    ap = argparse.ArgumentParser(
        description="Run an Axion pipeline; print the events of its frames")
    ap.add_argument("url", nargs="?", help="camera URI (default: generated)")
    ap.add_argument("--frames", type=int, default=100,
                    help="frames of the generated camera (default 100)")
    ap.add_argument("--camera-id", default="cam1")
    ap.add_argument("--rules", default="motion",
                    help="axionalert rules (default: motion; '' for none)")
    args = ap.parse_args()

    Gst.init(None)
    pipeline, sink = build(args)
    counts = {"events": 0}
    sink.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, on_buffer,
                                          counts)
    loop = GLib.MainLoop()
    status = {"rc": 0}

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.EOS:
            loop.quit()
        elif msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            print("axion-events: %s (%s)" % (err.message, debug),
                  file=sys.stderr)
            status["rc"] = 1
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    pipeline.set_state(Gst.State.PLAYING)
    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    pipeline.set_state(Gst.State.NULL)
    print("axion-events: %d events" % counts["events"])
    return status["rc"]


if __name__ == "__main__":
    sys.exit(main())
