"""The Word template of the start plan (WH19 附件1) and the script that builds it."""
