//! The key that encrypts secrets at rest (OIDC client secrets, upstream credentials, signing keys).
//! It must never reach a log, so it has no `Display` and its `Debug` prints `***`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::path::Path;
use std::str::FromStr;

#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

impl FromStr for MasterKey {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bytes = STANDARD
            .decode(s.trim())
            .map_err(|_| "not base64".to_string())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "must decode to exactly 32 bytes".to_string())?;
        Ok(Self(key))
    }
}

impl MasterKey {
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the operating system's random source failed");
        Self(key)
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Reads the key file, or creates it (readable by its owner only) when it does not exist yet.
    pub fn load_or_create(path: &Path) -> std::io::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => text.parse().map_err(|e: String| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: {e}", path.display()),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate();
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                write_private(path, &key.to_base64())?;
                tracing::warn!(
                    path = %path.display(),
                    "no HUB_MASTER_KEY given: generated one; back this file up, secrets at rest depend on it"
                );
                Ok(key)
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_key_is_kept_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("master.key");
        let first = MasterKey::load_or_create(&path).unwrap();
        let second = MasterKey::load_or_create(&path).unwrap();
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_short_key_is_refused() {
        assert!("c2hvcnQ=".parse::<MasterKey>().is_err());
    }
}
