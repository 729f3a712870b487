"""FastAGI: the server (:mod:`.server`), its routes (:mod:`.routes`), and the service that
wires them to the rules cache, the live view and AMI (:mod:`.service`)."""
