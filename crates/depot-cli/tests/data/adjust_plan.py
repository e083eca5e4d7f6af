#!/usr/bin/env python3
"""A plan transformer for the tests: Depot's plan on stdin, the adjusted plan on stdout.

The first argument says what it does:
  comment          add phase 1500 with one step commenting on the dog table (the normal case)
  bad-phase        the same step in phase 1550 (not a multiple of 100)
  unknown-action   a step with an action and no SQL
  multi            a step holding two statements
  hazard           a TRUNCATE step declaring DELETES_DATA (which the dataset does not allow)
  crash            exit 3 with a reason on stderr
  sleep            never answer
"""
import json
import sys
import time

mode = sys.argv[1]
plan = json.load(sys.stdin)
namespace = plan["metadata"]["namespace"]
plan.pop("metadata")  # optional in a transformer's output


def add(phase, step):
    plan["phases"].append({"phase": phase, "name": "adjust", "transactional": True, "steps": [step]})


step = {"id": "1500-1", "action": "comment", "target": "Dog", "hazards": [],
        "sql": f"COMMENT ON TABLE {namespace}.dog IS 'adjusted by the transformer'"}
if mode == "comment":
    add(1500, step)
elif mode == "bad-phase":
    add(1550, dict(step, id="1550-1"))
elif mode == "unknown-action":
    add(1500, {"id": "1500-1", "action": "frobnicate", "target": "Dog", "hazards": []})
elif mode == "multi":
    add(1500, dict(step, sql=f"SELECT 1; DROP TABLE {namespace}.dog"))
elif mode == "hazard":
    add(1500, dict(step, sql=f"TRUNCATE {namespace}.dog", hazards=["DELETES_DATA"]))
elif mode == "crash":
    print("no plan for you: phase 1500 is reserved", file=sys.stderr)
    print("second line", file=sys.stderr)
    sys.exit(3)
elif mode == "sleep":
    time.sleep(60)
json.dump(plan, sys.stdout)
