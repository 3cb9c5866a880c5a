"""Crypto-shredding: personal fields sealed with a key of the customer's own (issue 16).

``sealing``: AES-256-GCM of one field, bound to its customer and field name; ``keys``: the
customers' data keys wrapped by a key-encryption key (KEK); ``keyring``: the consumers' cache of
customer keys. Free of pydantic (a domain may import it); ``privacy.schema.SealedText`` is the
contracts' annotation of a sealed field.
"""

from trainyard_common.privacy.keyring import CustomerKeys, KeyDestroyed
from trainyard_common.privacy.keys import KeyEncryptionKeys, new_data_key, unwrap, wrap
from trainyard_common.privacy.sealing import ENVELOPE_PREFIX, Unreadable, is_sealed, seal, unseal

__all__ = [
    "ENVELOPE_PREFIX",
    "CustomerKeys",
    "KeyDestroyed",
    "KeyEncryptionKeys",
    "Unreadable",
    "is_sealed",
    "new_data_key",
    "seal",
    "unseal",
    "unwrap",
    "wrap",
]
