//! The file store on S3-compatible object storage, against a real S3 API server (moto's,
//! installed by scripts/test). Skipped with a notice when `moto_server` is not installed,
//! except under CI=true.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};

use bytes::Bytes;
use linxuan_store::files::{FileStore, StreamError};

struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn request(port: u16, text: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.write_all(text.as_bytes()).ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    Some(reply)
}

fn start_moto() -> Option<Moto> {
    let port = TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let child = match Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(_) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!(
                "SKIPPED: moto_server (pip install 'moto[server]') is not installed; the S3 file store is not tested"
            );
            return None;
        }
        Err(e) => panic!("moto_server is needed under CI=true: {e}"),
    };
    let moto = Moto { child, port };
    // Ready when it answers; it starts in well under a second, the bound is generous.
    for _ in 0..300 {
        if request(port, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").is_some() {
            return Some(moto);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("moto_server did not start");
}

#[tokio::test]
async fn the_file_store_works_on_s3() {
    let Some(moto) = start_moto() else { return };
    let created = request(
        moto.port,
        "PUT /linxuan-test HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    assert!(created.starts_with("HTTP/1.1 200"), "{created}");
    // SAFETY of the environment: this test binary has no other threads reading it yet.
    unsafe {
        std::env::set_var("AWS_ENDPOINT", format!("http://127.0.0.1:{}", moto.port));
        std::env::set_var("AWS_ALLOW_HTTP", "true");
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
        std::env::set_var("AWS_REGION", "us-east-1");
    }
    let store = FileStore::s3("linxuan-test").unwrap();
    assert_eq!(store.describe(), "S3 bucket linxuan-test");

    // A streamed upload of several 5 MB parts, read back whole.
    let chunks =
        futures_util::stream::iter((0..12).map(|i| Ok::<_, std::io::Error>(Bytes::from(vec![i as u8; 1_000_000]))));
    let stored = store
        .put_stream("communities/1/a", chunks, 20_000_000, |head| {
            if head.len() == 4096 { Ok(()) } else { Err("short".into()) }
        })
        .await
        .unwrap();
    assert_eq!(stored.size, 12_000_000);
    assert_eq!(store.get("communities/1/a").await.unwrap().len(), 12_000_000);
    let (size, _) = store.get_stream("communities/1/a").await.unwrap();
    assert_eq!(size, 12_000_000);

    // Over the limit: aborted, nothing under the key.
    let chunks =
        futures_util::stream::iter((0..12).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![0u8; 1_000_000]))));
    let err = store.put_stream("communities/1/b", chunks, 6_000_000, |_| Ok(())).await.unwrap_err();
    assert!(matches!(err, StreamError::TooLarge { .. }));
    assert!(store.get("communities/1/b").await.is_err());

    // Content-addressed puts keep one copy; everything copies to a local backup.
    let a = store.put_content("imports", Bytes::from_static(b"schools")).await.unwrap();
    assert_eq!(store.put_content("imports", Bytes::from_static(b"schools")).await.unwrap(), a);
    let mut keys = store.list(None).await.unwrap();
    keys.sort();
    assert_eq!(keys.len(), 2, "{keys:?}");
    let dir = std::env::temp_dir().join(format!("linxuan-s3-backup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let local = FileStore::local(&dir).unwrap();
    assert_eq!(store.copy_all_to(&local).await.unwrap(), 2);
    assert_eq!(local.get("communities/1/a").await.unwrap().len(), 12_000_000);
    std::fs::remove_dir_all(&dir).unwrap();
}
