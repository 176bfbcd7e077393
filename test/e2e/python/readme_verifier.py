"""Runs the README's Python resource-server verifiers as written.

Reads {code, cases} as JSON on stdin: `code` is the README's Python blocks (the test only points their
ISSUER at the server under test), each case calls `authorize` (bearer) or `authorize_dpop`. Prints one
{"accepted": claims} or {"refused": "<exception class>: <message>"} per case, as a JSON list.
"""
import json
import sys


def run(namespace: dict, case: dict):
    if case["verifier"] == "bearer":
        return namespace["authorize"](case["authorization"], case["scope"])
    return namespace["authorize_dpop"](case["authorization"], case["proof"], case["method"], case["url"])


def main() -> None:
    request = json.load(sys.stdin)
    namespace: dict = {}
    exec(compile(request["code"], "README.md", "exec"), namespace)
    results = []
    for case in request["cases"]:
        try:
            results.append({"accepted": run(namespace, case)})
        except Exception as error:  # every refusal of the README's code is an exception
            results.append({"refused": f"{type(error).__name__}: {error}"})
    print(json.dumps(results))


main()
