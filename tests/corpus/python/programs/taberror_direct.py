"""Worker with mixed tabs and spaces (run directly -> TabError)."""


def process(jobs):
    for job in jobs:
        if job["ready"]:
	    run(job)
        else:
            print("skip", job)


process([])
