"""The data path: from resolved formats to a finished file on disk."""
