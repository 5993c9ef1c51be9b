"""One module per client measured; each maps workload names to functions.

A workload function takes ``(params, meter, ready)``: it sets up its client outside the
measured region, runs the workload inside ``with meter:``, and returns extra figures
(bytes read, items counted) that the runner checks and reports. ``ready()`` tells the
runner that a watcher is listening (events workload).
"""
