#!/usr/bin/env python3
"""Extracts the examples of the documentation for test_docs_examples.sh.

doc_examples.py TOP OUTDIR writes into OUTDIR:
  ini-N.ini        every ```ini block (axion-run configuration examples)
  pipe-N.pipeline  every pipeline shown: gst-launch-1.0 commands, "... !"
                   fragments and plain blocks that are a pipeline
and prints one line per file: NAME<TAB>SOURCE:LINE.

Placeholders become harmless values: a leading "..." a test source, a
trailing "..." a fakesink, an element that is not installed (and not an
Axion element) identity (a decoder: decodebin), /usr/share/axion/pipelines/ the repository's
pipelines/ directory.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

# an element name and its properties (dropped with an element replaced)
ELEMENT = re.compile(r'(?:^|!\s*|detector=")([a-z][a-z0-9_]*)'
                     r'((?:\s+[a-z][a-z0-9-]*=[^\s!"]*)*)(?=\s|$|")')
_exists = {}


def _inspect_env():
    """gst-inspect-1.0 (not instrumented) with the system's and the test
    plugins only, in a registry of its own: in the sanitizer run the
    build's plugins are ASan-instrumented and cannot be loaded by it, and
    with no registry yet it would scan them (every element then read as
    missing). Axion's elements are never looked up (see element())."""
    env = dict(os.environ)
    env.pop('GST_PLUGIN_PATH_1_0', None)
    env.pop('GST_PLUGIN_PATH', None)
    env.pop('LD_PRELOAD', None)
    env['GST_REGISTRY'] = os.path.join(
        os.environ.get('TMPDIR', '/tmp'),
        'axion-doc-examples-%d.bin' % os.getpid())
    return env


def installed(name):
    if name not in _exists:
        r = subprocess.run(['gst-inspect-1.0', '--exists', name],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=_inspect_env())
        _exists[name] = r.returncode == 0
    return _exists[name]


def blocks(path):
    """(lang, first line number, lines) of every fenced block"""
    lang, start, body = None, 0, []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if line.startswith('```'):
                if lang is None:
                    lang, start, body = line[3:].strip(), n + 1, []
                else:
                    yield lang, start, body
                    lang = None
            elif lang is not None:
                body.append(line)


def logical_lines(body, start):
    """lines joined at a trailing backslash, with their first line number"""
    cur, first = '', None
    for i, line in enumerate(body):
        if first is None:
            first = start + i
        if line.rstrip().endswith('\\'):
            cur += line.rstrip()[:-1] + ' '
            continue
        yield first, cur + line
        cur, first = '', None


def strip_command(text):
    words = text.split()[1:]
    while words and words[0].startswith('-'):
        words.pop(0)
    text = ' '.join(words)
    text = re.split(r'\s\|\s|\s#\s', text)[0]
    return text


def placeholders(text):
    text = text.strip()
    text = re.sub(r'^\.\.\.\s*!', 'videotestsrc num-buffers=1 ! videoconvert !',
                  text)
    text = re.sub(r'!\s*\.\.\.$', '! fakesink', text)
    text = re.sub(r'\s\.\.\.$', '', text)
    if text.endswith('!'):
        text += ' fakesink'

    def element(m):
        name = m.group(1)
        if name.startswith('axion') or installed(name):
            return m.group(0)
        # a decoder that is not installed (avdec_h264 without gst-libav):
        # whichever is, through decodebin
        return m.group(0)[:m.start(1) - m.start(0)] + \
            ('decodebin' if 'dec' in name else 'identity')
    return ELEMENT.sub(element, text)


def pipelines(lang, start, body):
    if lang in ('', 'sh', 'bash') and body and \
            re.match(r'^[a-z][a-z0-9_]*\s.*!', body[0]):
        text = ' '.join(line.strip() for line in body if line.strip())
        yield start, text
        return
    if lang not in ('', 'sh', 'bash'):
        return
    for n, line in logical_lines(body, start):
        s = line.strip()
        if s.startswith('gst-launch-1.0 '):
            yield n, strip_command(s)
        elif s.startswith('... !'):
            yield n, s


def main():
    top, out = sys.argv[1], sys.argv[2]
    docs = [os.path.join(top, 'README.md')] + sorted(
        glob.glob(os.path.join(top, 'docs', '**', '*.md'), recursive=True))
    n_ini = n_pipe = 0
    for path in docs:
        rel = os.path.relpath(path, top)
        for lang, start, body in blocks(path):
            if lang == 'ini':
                n_ini += 1
                name = 'ini-%d.ini' % n_ini
                text = '\n'.join(body).replace(
                    '/usr/share/axion/pipelines/', top + '/pipelines/')
                with open(os.path.join(out, name), 'w') as f:
                    f.write(text + '\n')
                print('%s\t%s:%d' % (name, rel, start))
                continue
            for n, text in pipelines(lang, start, body):
                n_pipe += 1
                name = 'pipe-%d.pipeline' % n_pipe
                with open(os.path.join(out, name), 'w') as f:
                    f.write(placeholders(text) + '\n')
                print('%s\t%s:%d' % (name, rel, n))


if __name__ == '__main__':
    if shutil.which('gst-inspect-1.0') is None:
        sys.exit('gst-inspect-1.0 not found')
    try:
        main()
    finally:
        reg = _inspect_env()['GST_REGISTRY']
        if os.path.exists(reg):
            os.unlink(reg)
