"""debugkit's stand-in for azureml.contrib.services (raw HTTP access in score.py)."""
