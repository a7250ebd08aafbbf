"""WH19 附件3 rule kinds (see COMMON brief)."""
