#!/usr/bin/env python3
"""exproto-host --config-schema against the configs we ship: every example config and the packaged
one must validate; configs the host refuses for a schema-level reason must not.

Usage: check_schema.py HOST_BINARY SOURCE_DIR
Exit 77 (CTest: skipped) when python3-jsonschema is missing (scripts/deps.sh installs it)."""
import glob
import json
import os
import subprocess
import sys

try:
    import jsonschema
except ImportError:
    print("SKIPPED: python3-jsonschema is not installed (scripts/deps.sh installs it)")
    sys.exit(77)

host, src = sys.argv[1], sys.argv[2]
schema = json.loads(subprocess.run([host, "--config-schema"], check=True, capture_output=True, text=True).stdout)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

failed = 0
files = sorted(glob.glob(os.path.join(src, "config", "*.json"))) + [os.path.join(src, "deploy", "exproto-host.json")]
for path in files:
    with open(path) as f:
        doc = json.load(f)
    errors = list(validator.iter_errors(doc))
    print(("ok      " if not errors else "INVALID ") + os.path.relpath(path, src))
    for e in errors[:3]:
        print("        ", e.message)
    failed += bool(errors)

route = {"listener": {"port": 7993, "socktype": "tcp"}, "codec": "line"}
must_fail = {
    "unknown top-level key": {"routes": [route], "bogus": 1},
    "unknown nested key": {"routes": [route], "plugins": {"dri": "x"}},
    "no routes": {"handler": {"bind": "127.0.0.1:9001"}},
    "number out of range": {"routes": [route], "plugins": {"max_generations": 1}},
    "not one of the choices": {"routes": [route], "log": {"level": "loud"}},
    "native key in exproto mode": {"routes": [route], "mqtt": {"server": "127.0.0.1:1883"}},
    "exproto key in native mode": {"mode": "native", "handler": {}, "routes": [
        {"listener": {"bind": "0.0.0.0:7993", "socktype": "tcp"}, "codec": "line"}]},
}
for name, doc in must_fail.items():
    valid = validator.is_valid(doc)
    print(("ACCEPTED " if valid else "refused ") + name)
    failed += valid
native = {"mode": "native", "mqtt": {"server": "127.0.0.1:1883"},
          "routes": [{"listener": {"bind": "0.0.0.0:7993", "socktype": "tcp"}, "codec": "line"}]}
print(("ok      " if validator.is_valid(native) else "INVALID ") + "a native-mode config")
failed += not validator.is_valid(native)
sys.exit(1 if failed else 0)
