"""The public portal (no login): the dishonesty list, the published penalty decisions and their
open data (JSON, CSV, Atom). It reads credit through `credit.publicity` and shows only what is
public: listings in force and decisions published and not withdrawn, personal data masked."""
