"""The PBX configuration as one YAML file: schema (:mod:`.schema`), loading with file
positions (:mod:`.load`), import (:mod:`.importer`), export (:mod:`.export`), diff and
summary."""
