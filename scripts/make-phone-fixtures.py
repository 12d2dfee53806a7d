#!/usr/bin/env python3
"""Makes the phone-speech fixture set of the embedded recogniser (Tests/Fixtures/speech/phone/).

Every example sentence and match word of etc/agent.yaml, plus sentences no intent covers and non-speech
(silence, line noise, cough-like bursts, hum, tones), spoken by espeak-ng voices at several speeds,
rendered at 8 kHz 16-bit mono (sox): the test encodes them to ulaw and alaw itself and sends them through
the daemon's RTP inbound path. index.tsv: file, expected intent ('' = none), voice, speed, text.

usage: scripts/make-phone-fixtures.py [OUT_DIR] [--voices=v1,v2,...]   (needs espeak-ng, sox, python3-yaml)
The committed set uses the default voices; thresholds were chosen on another set of voices
(en-us, en, en+m3, en+f3, en-us+f2), so the committed set is held out.
"""
import os, re, subprocess, sys, tempfile
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VOICES = ["en+m5", "en-029", "en+f4", "en-gb-scotland", "en-us+m7"]
SPEEDS = [130, 160, 190, 220]
NONE = ["what time is it", "hello", "yes", "no", "thank you", "can you repeat that", "I have a question about my bill",
        "hello is anyone there", "hi", "I lost my card", "where is my order", "okay"]
NOISE = {
    "silence": "synth 1.5 sine 0 vol 0", "whitenoise_lo": "synth 1.5 whitenoise vol 0.01",
    "whitenoise_hi": "synth 1.5 whitenoise vol 0.1", "pinknoise": "synth 1.5 pinknoise vol 0.05",
    "brownnoise": "synth 2.0 brownnoise vol 0.1", "cough": "synth 0.35 pinknoise vol 0.6 fade q 0.02 0.35 0.25 pad 0.3 0.3",
    "cough_short": "synth 0.25 whitenoise vol 0.5 lowpass 1500 fade q 0.01 0.25 0.2 pad 0.3 0.3",
    "breath": "synth 0.8 pinknoise vol 0.1 highpass 500 fade q 0.3 0.8 0.3 pad 0.2 0.2",
    "hum50": "synth 1.5 sine 50 vol 0.2", "hum_buzz": "synth 1.5 square 60 vol 0.05 lowpass 2000",
    "tone440": "synth 1.0 sine 440 vol 0.3", "click": "synth 0.05 whitenoise vol 0.8 pad 0.5 0.5",
}


def phrases():
    script = yaml.safe_load(open(os.path.join(ROOT, "etc", "agent.yaml")))
    out = []
    for intent in script["intents"]:
        for text in intent.get("examples", []) + intent.get("match", []):
            out.append((intent["name"], text))
    return out + [("", text) for text in NONE]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = args[0] if args else os.path.join(ROOT, "Tests", "Fixtures", "speech", "phone")
    voices = VOICES
    for a in sys.argv[1:]:
        if a.startswith("--voices="): voices = a.split("=", 1)[1].split(",")
    os.makedirs(out, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        n = 0
        for intent, text in phrases():
            for v, voice in enumerate(voices):
                speed = SPEEDS[(n + v) % len(SPEEDS)]
                name = f"{intent or 'none'}_{re.sub('[^a-z]+', '_', text.lower()).strip('_')}_{re.sub('[^a-z0-9]+', '', voice)}_{speed}.wav"
                raw = os.path.join(tmp, "say.wav")
                subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", raw, text], check=True)
                subprocess.run(["sox", raw, "-r", "8000", "-b", "16", "-c", "1", os.path.join(out, name), "pad", "0.3", "0.3"], check=True)
                rows.append((name, intent, voice, str(speed), text))
            n += 1
        for label, synth in NOISE.items():
            name = f"none_noise_{label}.wav"
            subprocess.run(["sox", "-n", "-r", "8000", "-b", "16", "-c", "1", os.path.join(out, name)] + synth.split(), check=True)
            rows.append((name, "", "-", "-", f"<{label}>"))
    with open(os.path.join(out, "index.tsv"), "w") as f:
        f.write("file\tintent\tvoice\tspeed\ttext\n")
        for row in rows: f.write("\t".join(row) + "\n")
    print(len(rows), "fixtures in", out)


main()
