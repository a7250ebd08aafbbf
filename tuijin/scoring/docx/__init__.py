"""The committed Word templates of the assessment (built by build_template.py)."""
