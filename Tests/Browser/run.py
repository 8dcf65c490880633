"""Runs the browser journeys: every `journey_*` function of Tests/Browser/journeys/*.py, files in name order, functions
in the order they are written (or only the ones named as arguments). Prints PASS/FAIL per journey and a summary; exits
1 when one failed. A failed journey leaves DA_SCREENSHOTS/FAILED-<journey>-<browser>.png and .html for every browser
still open. DA_TIME_LIMIT (seconds) stops the run as a failure of the journey under way.

    python Tests/Browser/run.py [journey_name ...]
"""
import importlib.util
import inspect
import os
import pathlib
import signal
import sys
import time
import traceback

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402


def journeys():
    """(name, function) of every journey, in running order."""
    found = []
    for path in sorted((HERE / "journeys").glob("*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        functions = [function for name, function in inspect.getmembers(module, inspect.isfunction)
                     if name.startswith("journey_") and function.__module__ == module.__name__]
        found += [(f.__name__, f) for f in sorted(functions, key=lambda f: f.__code__.co_firstlineno)]
    return found


def save_open_browsers(journey):
    """Saves a screenshot and the page source of every open browser, then closes them."""
    for browser in list(harness.Browser.open_browsers):
        base = os.path.join(harness.SCREENSHOTS, f"FAILED-{journey}-{browser.label}")
        try:
            browser.save_screenshot(base + ".png")
            with open(base + ".html", "w") as file:
                file.write(browser.page_source)
        except Exception as error:  # a crashed browser still has to be closed
            print(f"  (could not save {browser.label}: {error})")
        browser.quit()


class TimeLimitReached(Exception):
    """DA_TIME_LIMIT ran out."""


def on_time_limit(signum, frame):
    raise TimeLimitReached(f"the time limit of {os.environ['DA_TIME_LIMIT']} s was reached")


def main():
    """Runs the journeys; the exit status is 1 when one failed."""
    sys.stdout.reconfigure(line_buffering=True)
    selected = set(sys.argv[1:])
    todo = [(name, journey) for name, journey in journeys() if not selected or name in selected]
    unknown = selected - {name for name, _ in todo}
    if unknown:
        print(f"no such journey: {', '.join(sorted(unknown))}")
        return 1
    if os.environ.get("DA_TIME_LIMIT"):
        signal.signal(signal.SIGALRM, on_time_limit)
        signal.alarm(max(1, int(os.environ["DA_TIME_LIMIT"])))
    passed, failed = 0, []
    started = time.monotonic()
    for name, journey in todo:
        began = time.monotonic()
        try:
            journey()
            passed += 1
            print(f"PASS {name} ({time.monotonic() - began:.1f} s)")
        except Exception as error:
            failed.append(name)
            if isinstance(error, (AssertionError, TimeLimitReached)):
                print(f"FAIL {name}: {error}")
            else:
                print(f"FAIL {name}: {type(error).__name__}: {error}")
                traceback.print_exc(file=sys.stdout)
            save_open_browsers(name)
            if isinstance(error, TimeLimitReached):
                break
        finally:
            for browser in list(harness.Browser.open_browsers):  # a journey that did not close its browsers
                browser.quit()
    not_run = len(todo) - passed - len(failed)
    print(f"{passed} passed, {len(failed)} failed" + (f", {not_run} not run" if not_run else "")
          + f" in {time.monotonic() - started:.1f} s" + (f": {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
