"""SHA-256 of gdstudio/resources/compiled_examples.json (written with it by
``python -m gdstudio.problems._compiled_examples_writer``; a changed file is
refused)."""

DIGEST = "1d4280778f4c04b020032fdb9d9a2172cf703604bb6f80c5ec4e11360c1c61f1"
