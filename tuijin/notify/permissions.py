"""(being written: see /work/team/COMMON.md)"""
