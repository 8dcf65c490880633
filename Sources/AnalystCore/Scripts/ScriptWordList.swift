/// The reference's list of words a script may not contain (§7.2), kept only as an early, friendly message: the
/// sandbox is what protects (a script can spell any of these another way and still reach nothing).
public enum ScriptWordList {
    static let patterns = [
        "import subprocess", "from subprocess", "import shutil", "from shutil", "import ctypes", "from ctypes",
        "import importlib", "from importlib", "import socket", "from socket", "import requests", "from requests",
        "import urllib", "from urllib", "import http", "from http", "__import__", "importlib", "exec(", "eval(",
        "compile(", "import os", "from os", "import sys", "from sys", "import signal", "from signal", "open(",
        "pathlib", "globals()", "locals()", "getattr(", "setattr(", "delattr(", "breakpoint(",
    ]

    /// The reference's message for the first pattern `source` contains (case-insensitive), or `nil`.
    public static func refusal(_ source: String) -> String? {
        let lowered = source.lowercased()
        guard let pattern = patterns.first(where: { lowered.contains($0) }) else { return nil }
        let shown = pattern.split(separator: "(", omittingEmptySubsequences: false).first.map(String.init) ?? pattern
        return "Script contains disallowed pattern: \(shown.trimmingCharacters(in: .whitespaces))"
    }
}
