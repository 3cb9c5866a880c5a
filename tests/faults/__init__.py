"""The system fault suite (``make faults``): a known workload through the gateway while one fault
happens, then a checker that reads every service's database and the topics. See run.py."""
