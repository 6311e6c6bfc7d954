"""SHA-256 of gdstudio/resources/compiled_examples.json (written with it by
``python -m gdstudio.problems._compiled_examples_writer``; a changed file is
refused)."""

DIGEST = "e1100ca6fa08263b20acb2bd0d1b87e183ae57ee6ba69143d0f4b761af764414"
