"""Small expiring records shared by replicas: tokens, operations, batches, verifications."""

from policies.records.sql_store import SqlRecordStore
from policies.records.store import MemoryRecordStore, RecordStore, RedisRecordStore

__all__ = ["MemoryRecordStore", "RecordStore", "RedisRecordStore", "SqlRecordStore"]
