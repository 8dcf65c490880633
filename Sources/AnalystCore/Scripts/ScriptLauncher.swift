/// The small Python program that runs inside the sandbox next to an analyst's script: it starts the script as a child
/// (stdin closed, environment as given), keeps at most `limit` bytes of each of its outputs, waits for it, and prints
/// one JSON line for the server — the exit code or signal, the outputs, and the image the script named (read from the
/// sandbox's own `/tmp` before the sandbox disappears).
///
/// It runs with the script's user id, so a hostile script could tamper with it: the server treats its answer as
/// untrusted too (sizes capped, the image's type checked). What it protects is the script's own result only.
enum ScriptLauncher {
    static let fileName = "launch.py"

    static let source = #"""
        import base64, json, os, signal, subprocess, sys, threading

        # The server's threads block some signals and a blocked mask survives exec: the limits' signals must arrive.
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        for number in (signal.SIGXCPU, signal.SIGXFSZ):
            signal.signal(number, signal.SIG_DFL)
        LIMIT = int(sys.argv[1])
        IMAGE_LIMIT = int(sys.argv[2])
        SCRIPT = sys.argv[3]

        def drain(stream, sink):
            kept, total = bytearray(), 0
            while True:
                chunk = stream.read(65536)
                if not chunk:
                    break
                total += len(chunk)
                room = LIMIT - len(kept)
                if room > 0:
                    kept += chunk[:room]
            sink.append(bytes(kept))
            sink.append(total)

        child = subprocess.Popen([sys.executable, SCRIPT], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, close_fds=True, cwd="/tmp")
        out, err = [], []
        readers = [threading.Thread(target=drain, args=(child.stdout, out)),
                   threading.Thread(target=drain, args=(child.stderr, err))]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
        code = child.wait()

        image, image_error = None, None
        try:
            answer = json.loads(out[0].decode("utf-8", "replace").strip().splitlines()[-1])
            path = answer.get("image_path") if isinstance(answer, dict) else None
        except Exception:
            path = None
        if isinstance(path, str) and path:
            real = os.path.realpath(path)
            if not real.startswith("/tmp/"):
                image_error = "image_path must be a file the script wrote under /tmp"
            elif not os.path.isfile(real):
                image_error = "image_path does not name a file"
            elif os.path.getsize(real) > IMAGE_LIMIT:
                image_error = "the image is larger than %d bytes" % IMAGE_LIMIT
            else:
                with open(real, "rb") as handle:
                    image = base64.b64encode(handle.read(IMAGE_LIMIT + 1)).decode("ascii")

        sys.stdout.write(json.dumps({
            "exit_code": code if code >= 0 else None, "signal": -code if code < 0 else None,
            "stdout": out[0].decode("utf-8", "replace"), "stderr": err[0].decode("utf-8", "replace"),
            "stdout_bytes": out[1], "stderr_bytes": err[1], "image": image, "image_error": image_error}))
        sys.stdout.flush()
        """#
}
