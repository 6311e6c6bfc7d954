"""SHA-256 of gdstudio/resources/compiled_examples.json (written with it by
``python -m gdstudio.problems._compiled_examples_writer``; a changed file is
refused)."""

DIGEST = "e9a7837a1308a39bd1d38cf9121f0a75f3ea836ff3ba489afb17e4f9948c96bf"
