#!/usr/bin/env python3
"""Parses one NDR with Python's email package (a parser that is not ours) and prints what
it found as JSON, for tests/ndr/delivery_report_test.cpp to check field by field."""
import base64
import email
import email.policy
import json
import sys


def blocks(part):
    return [dict(block.items()) for block in part.get_payload()]


def raw_part_body(raw, msg, index):
    """The encoded body of part `index`, cut from the raw bytes at the boundaries: Python
    parses message/global as a message even when it is base64-encoded."""
    delimiter = b"\r\n--" + msg.get_boundary().encode()
    section = raw.split(delimiter)[index + 1]
    return section.split(b"\r\n\r\n", 1)[1]


def returned(raw, msg, part):
    if part.get_content_type() == "message/global":
        return {"text": base64.b64decode(raw_part_body(raw, msg, 2)).decode("utf-8", "replace")}
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()[0]
        return {"headers": [[k, str(v)] for k, v in inner.items()],
                "body": inner.get_payload(decode=True).decode("utf-8", "replace")}
    payload = part.get_payload(decode=True) or b""
    return {"text": payload.decode("utf-8", "replace")}


def main():
    raw = open(sys.argv[1], "rb").read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    names = [k for k, _ in msg.items()]
    parts = msg.get_payload() if msg.is_multipart() else []
    # The report's own defects; a returned original may be as broken as it came in.
    defects = [type(d).__name__ for p in [msg] + parts for d in p.defects]
    summary = {
        "header_names": names,
        "headers": {k: str(v) for k, v in msg.items()},
        "content_type": msg.get_content_type(),
        "report_type": msg.get_param("report-type"),
        "defects": defects,
        "parts": [p.get_content_type() for p in parts],
        "encodings": [p.get("Content-Transfer-Encoding", "") for p in parts],
        "seven_bit": all(b < 128 for b in raw),
        "crlf_only": raw.count(b"\n") == raw.count(b"\r\n") and raw.count(b"\r") == raw.count(b"\r\n"),
        "longest_line": max(len(line) for line in raw.split(b"\r\n")),
    }
    if len(parts) == 3:
        summary["text"] = parts[0].get_content()
        status = blocks(parts[1])
        summary["per_message"] = status[0] if status else {}
        summary["recipients"] = status[1:]
        summary["returned"] = returned(raw, msg, parts[2])
    json.dump(summary, sys.stdout)


main()
