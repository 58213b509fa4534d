"""The installed Python module against the CLI's alpha for one frame, plus array layouts and errors.
Usage: python3 python_check.py WEIGHTS WIDTH HEIGHT FRAME.rgb PLATE.rgb|- EXPECTED_ALPHA.raw
(run with PYTHONPATH at the prefix's module folder)."""
import sys

import numpy as np

import matte

weights, w, h, frame_path, plate_path, alpha_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:]
frame = np.fromfile(frame_path, np.uint8).reshape(h, w, 3)
plate = None if plate_path == "-" else np.fromfile(plate_path, np.uint8).reshape(h, w, 3)
want = np.fromfile(alpha_path, np.uint8).reshape(h, w)


def expect_error(fn, *parts):
    try:
        fn()
    except matte.Error as e:
        for part in parts:
            assert part in str(e), f"{part!r} not in {str(e)!r}"
        return
    raise AssertionError(f"no matte.Error for {parts}")


s = matte.Session(weights, threads=2)
print(matte.version(), s.architecture, s.needs_plate)
assert s.needs_plate == (plate is not None)

# The same frame in several layouts: packed, rows apart, column-major (copied), mirrored twice.
padded = np.zeros((h, w + 7, 3), np.uint8)
padded[:, :w] = frame
layouts = {"packed": frame, "rows apart": padded[:, :w], "column-major": np.asfortranarray(frame),
           "mirrored twice": frame[:, ::-1][:, ::-1], "BGR reversed twice": frame[..., ::-1][..., ::-1]}
for name, image in layouts.items():
    s.reset()
    p = None if plate is None else np.asfortranarray(plate)
    alpha, foreground = s.process(image, p)
    assert alpha.shape == (h, w) and alpha.dtype == np.uint8, name
    assert foreground.shape == (h, w, 3) and foreground.dtype == np.uint8, name
    diff = int(np.abs(alpha.astype(int) - want).max())
    assert diff == 0, f"{name}: alpha differs from the CLI's by up to {diff}"

expect_error(lambda: matte.Session(weights + ".missing"), weights + ".missing")
expect_error(lambda: s.process(frame.astype(np.float32)), "uint8")
expect_error(lambda: s.process(frame[..., :2]), "H×W×3")
if plate is None:
    expect_error(lambda: s.process(frame, frame), "takes no plate")
    expect_error(lambda: setattr(s, "downsample_ratio", 1.5), "downsample-ratio")
    s.downsample_ratio = 0.5
    assert s.downsample_ratio == 0.5
    s.reset()
    s.process(frame)
else:
    expect_error(lambda: s.process(frame), "plate")
    expect_error(lambda: s.process(frame, plate[:-4]), "plate")
    expect_error(lambda: setattr(s, "downsample_ratio", 0.5), "downsample-ratio")
s.close()
expect_error(lambda: s.process(frame, plate), "closed")
print("python: ok")
