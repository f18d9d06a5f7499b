//! Sealing the few values that must be encrypted at rest (national ID numbers, SPEC §10):
//! XChaCha20-Poly1305 with a random nonce per value, so a sealed value is also tamper-evident.
//!
//! The key is `LINXUAN_SECRET_KEY` (64 hex digits) when set — every server of one deployment
//! needs the same key — else `secret.key` in the data directory, created on first start with
//! owner-only permissions. Losing the key loses the sealed values; back it up apart from the
//! database.

use std::path::Path;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

const PREFIX: &str = "v1:";

#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
    fingerprint: String,
}

fn parse_key(hex_key: &str) -> Result<[u8; 32], String> {
    let bytes = hex::decode(hex_key.trim()).map_err(|_| "the secret key is not hex".to_string())?;
    bytes.try_into().map_err(|_| "the secret key must be 32 bytes (64 hex digits)".to_string())
}

impl Sealer {
    pub fn from_key(key: &[u8; 32]) -> Sealer {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        hasher.update(b"linxuan sealing key fingerprint v1\0");
        hasher.update(key);
        Sealer { cipher: XChaCha20Poly1305::new(Key::from_slice(key)), fingerprint: hex::encode(hasher.finalize()) }
    }

    /// A hash of the key that tells keys apart without revealing them: a backup records it,
    /// and a restore checks that the key at hand is the one the sealed values need.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The key from the setting or `DATA/secret.key`, if there is one; never makes one.
    pub fn existing(setting: Option<&str>, data: &Path) -> Result<Option<Sealer>, String> {
        let from_setting = setting.map(str::trim).filter(|k| !k.is_empty()).is_some();
        if from_setting || data.join("secret.key").exists() {
            return Sealer::load(setting, data).map(Some);
        }
        Ok(None)
    }

    /// The key from the setting, else from (or newly into) `DATA/secret.key`.
    pub fn load(setting: Option<&str>, data: &Path) -> Result<Sealer, String> {
        if let Some(hex_key) = setting.map(str::trim).filter(|k| !k.is_empty()) {
            return Ok(Sealer::from_key(&parse_key(hex_key).map_err(|e| format!("LINXUAN_SECRET_KEY: {e}"))?));
        }
        let path = data.join("secret.key");
        if path.exists() {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            return Ok(Sealer::from_key(&parse_key(&text).map_err(|e| format!("{}: {e}", path.display()))?));
        }
        std::fs::create_dir_all(data).map_err(|e| format!("{}: {e}", data.display()))?;
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        let text = hex::encode(key);
        // Written beside and renamed, so a crash never leaves a half key.
        let partial = data.join("secret.key.partial");
        std::fs::write(&partial, &text).map_err(|e| format!("{}: {e}", partial.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o600));
        }
        std::fs::rename(&partial, &path).map_err(|e| format!("{}: {e}", path.display()))?;
        tracing::info!(path = %path.display(), "created the secret key for sealed values; back it up");
        Ok(Sealer::from_key(&parse_key(&text)?))
    }

    pub fn seal(&self, plain: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self.cipher.encrypt(&nonce, plain.as_bytes()).expect("encryption does not fail");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{PREFIX}{}", hex::encode(bytes))
    }

    /// The plain value, or `None` when the text was not sealed with this key (or was altered).
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = hex::decode(sealed.strip_prefix(PREFIX)?).ok()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, body) = bytes.split_at(24);
        let plain = self.cipher.decrypt(XNonce::from_slice(nonce), body).ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_unaltered() {
        let sealer = Sealer::from_key(&[7; 32]);
        let sealed = sealer.seal("A123456789");
        assert!(!sealed.contains("A123456789"));
        assert_ne!(sealed, sealer.seal("A123456789"), "a fresh nonce every time");
        assert_eq!(sealer.open(&sealed).as_deref(), Some("A123456789"));
        assert_eq!(Sealer::from_key(&[8; 32]).open(&sealed), None);
        let mut altered = sealed.clone();
        altered.replace_range(altered.len() - 2.., "00");
        assert_eq!(sealer.open(&altered), None);
    }

    #[test]
    fn the_key_file_is_made_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("linxuan-key-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = Sealer::load(None, &dir).unwrap();
        let sealed = first.seal("x");
        let again = Sealer::load(None, &dir).unwrap();
        assert_eq!(again.open(&sealed).as_deref(), Some("x"));
        assert!(Sealer::load(Some("abc"), &dir).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
