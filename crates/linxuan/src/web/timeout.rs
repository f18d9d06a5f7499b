//! A request body that gives up when its client stalls: the time counted is time spent
//! waiting for the client's next bytes, not time the server spends on what arrived (writing a
//! part to disk or to S3), so a slow server never times out a steady client.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

type Timer = Pin<Box<dyn Future<Output = ()> + Send>>;
/// Makes the timer that fires when waiting has lasted too long (tokio's sleep; tests fire
/// theirs by hand).
pub type MakeTimer = Arc<dyn Fn(Duration) -> Timer + Send + Sync>;

pub struct IdleTimeout<B> {
    inner: B,
    idle: Duration,
    make_timer: MakeTimer,
    /// Armed while waiting for the client; disarmed whenever a frame arrives.
    waiting: Option<Timer>,
}

impl<B> IdleTimeout<B> {
    pub fn new(inner: B, idle: Duration) -> Self {
        Self::with_timer(inner, idle, Arc::new(|d| Box::pin(tokio::time::sleep(d))))
    }

    pub fn with_timer(inner: B, idle: Duration, make_timer: MakeTimer) -> Self {
        IdleTimeout { inner, idle, make_timer, waiting: None }
    }
}

/// The error a stalled body ends with.
#[derive(Debug)]
pub struct Stalled(pub Duration);

impl std::fmt::Display for Stalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "nothing arrived for {} seconds", self.0.as_secs())
    }
}

impl std::error::Error for Stalled {}

impl<B> Body for IdleTimeout<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.waiting = None;
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let idle = this.idle;
                let make_timer = &this.make_timer;
                let waiting = this.waiting.get_or_insert_with(|| make_timer(idle));
                match waiting.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.waiting = None;
                        Poll::Ready(Some(Err(Box::new(Stalled(idle)))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use super::*;

    /// A body whose next poll gives the front of a script: `Some(bytes)` a frame, `None` "not
    /// yet" (the client is slow).
    struct Scripted(Arc<Mutex<VecDeque<Option<&'static str>>>>);

    impl Body for Scripted {
        type Data = Bytes;
        type Error = std::convert::Infallible;
        fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            match self.0.lock().unwrap().pop_front() {
                Some(Some(text)) => Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(text.as_bytes()))))),
                Some(None) => Poll::Pending,
                None => Poll::Ready(None),
            }
        }
    }

    #[test]
    fn only_time_spent_waiting_for_the_client_counts() {
        let script = Arc::new(Mutex::new(VecDeque::from([Some("a"), None, Some("b"), None, None])));
        // Timers that fire when the test says so.
        let fired: Arc<Mutex<Vec<Arc<std::sync::atomic::AtomicBool>>>> = Arc::default();
        let made = fired.clone();
        let make_timer: MakeTimer = Arc::new(move |_| {
            let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
            made.lock().unwrap().push(flag.clone());
            Box::pin(std::future::poll_fn(move |_| {
                if flag.load(std::sync::atomic::Ordering::SeqCst) { Poll::Ready(()) } else { Poll::Pending }
            }))
        });
        let mut body = IdleTimeout::with_timer(Scripted(script), Duration::from_secs(60), make_timer);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut poll = || Pin::new(&mut body).poll_frame(&mut cx);
        assert!(matches!(poll(), Poll::Ready(Some(Ok(_)))), "a");
        // The client is slow: the timer starts.
        assert!(poll().is_pending());
        assert_eq!(fired.lock().unwrap().len(), 1);
        // It sends in time: the timer is forgotten, even if it fires later.
        assert!(matches!(poll(), Poll::Ready(Some(Ok(_)))), "b");
        fired.lock().unwrap()[0].store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(poll().is_pending());
        assert_eq!(fired.lock().unwrap().len(), 2, "a fresh timer for the fresh wait");
        // The client stalls until the timer fires: the body gives up.
        fired.lock().unwrap()[1].store(true, std::sync::atomic::Ordering::SeqCst);
        match poll() {
            Poll::Ready(Some(Err(e))) => assert!(e.to_string().contains("60 seconds"), "{e}"),
            _ => panic!("expected the stall to end the body"),
        }
    }
}
