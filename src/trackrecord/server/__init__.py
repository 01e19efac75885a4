"""The TrackRecord server: the Store protocol over HTTP (``create_app``)."""
