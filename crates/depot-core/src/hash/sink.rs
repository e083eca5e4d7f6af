//! Where canonical JSON goes: a byte vector, or sha256 fed in chunks.

use sha2::{Digest, Sha256};

/// Out is where canonical JSON goes: a byte vector, or the hasher.
pub(super) trait Out {
    fn put(&mut self, bytes: &[u8]);
}

impl Out for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// HashSink feeds sha256 in chunks: many small writes into a buffer (on the stack: no
/// allocation), one hasher update per chunk.
pub(super) struct HashSink {
    hasher: Sha256,
    buf: [u8; CHUNK],
    len: usize,
}

pub(super) const CHUNK: usize = 8 * 1024;

impl HashSink {
    pub(super) fn new() -> HashSink {
        HashSink {
            hasher: Sha256::new(),
            buf: [0; CHUNK],
            len: 0,
        }
    }

    pub(super) fn finish(mut self) -> impl AsRef<[u8]> {
        self.hasher.update(&self.buf[..self.len]);
        self.hasher.finalize()
    }

    #[cold]
    fn flush_and_put(&mut self, bytes: &[u8]) {
        self.hasher.update(&self.buf[..self.len]);
        self.len = 0;
        if bytes.len() > CHUNK {
            self.hasher.update(bytes);
        } else {
            self.buf[..bytes.len()].copy_from_slice(bytes);
            self.len = bytes.len();
        }
    }
}

impl Out for HashSink {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if end > CHUNK {
            self.flush_and_put(bytes);
            return;
        }
        self.buf[self.len..end].copy_from_slice(bytes);
        self.len = end;
    }
}
