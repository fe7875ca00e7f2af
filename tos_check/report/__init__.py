"""Reports: the scan result as data (`model.py`) and the formats that write it, one module each."""
