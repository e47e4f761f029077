"""Evidence vault: the blob store, the transparency log (RFC 6962 Merkle tree stored as C2SP
tlog-tiles), checkpoints, time stamps and portable receipts (c2sp.org/tlog-proof@v1).

`merkle`, `tiles` and `receipt` are the pure, I/O-free mathematics and formats of the log.
"""
