"""Municipal support regulations as data: the YAML language (``schema``), its safe arithmetic
(``expressions``), the engine's inputs and results (``facts``) and the pure evaluation
(``engine``) that explains every decision with the article it rests on."""
