"""Jobs: the queue, the store of jobs and their history, the worker, and retention."""
