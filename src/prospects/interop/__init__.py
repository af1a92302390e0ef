"""Interchange with other system-dynamics tools: a model written as Vensim .mdl (with its
diagram), as XMILE, and as a Graphviz DOT diagram."""
