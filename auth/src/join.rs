//! Running independent lookups at the same time without an executor of
//! our own: two futures polled together until both are done.

use std::{
    future::{Future, poll_fn},
    pin::Pin,
    task::Poll,
};

/// Both outputs, the futures polled concurrently on the caller's task.
/// Each is boxed where it is made: an `async fn` would hold both twice
/// (as arguments and pinned), and the judge nests these joins, so its
/// future would grow to tens of kilobytes, copied at every move.
pub fn join<A: Future, B: Future>(a: A, b: B) -> impl Future<Output = (A::Output, B::Output)> {
    let mut a = Box::pin(a);
    let mut b = Box::pin(b);
    let mut out_a = None;
    let mut out_b = None;
    poll_fn(move |cx| {
        if out_a.is_none()
            && let Poll::Ready(v) = a.as_mut().poll(cx)
        {
            out_a = Some(v);
        }
        if out_b.is_none()
            && let Poll::Ready(v) = b.as_mut().poll(cx)
        {
            out_b = Some(v);
        }
        match (out_a.take(), out_b.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                out_a = x;
                out_b = y;
                Poll::Pending
            }
        }
    })
}

/// Every output of `futures`, in order, all polled concurrently; a future
/// is dropped as soon as it is done.
pub async fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<Option<Pin<Box<F>>>> =
        futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut outputs: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    poll_fn(|cx| {
        let mut done = true;
        for (slot, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => {
                        *output = Some(value);
                        *slot = None;
                    }
                    Poll::Pending => done = false,
                }
            }
        }
        if done { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn both_outputs_in_order() {
        let (a, b) = join(async { 1 }, async {
            tokio::task::yield_now().await;
            "two"
        })
        .await;
        assert_eq!((a, b), (1, "two"));
        let all = join_all(vec![
            Box::pin(async { 3 }) as std::pin::Pin<Box<dyn Future<Output = i32>>>,
            Box::pin(async {
                tokio::task::yield_now().await;
                4
            }),
        ])
        .await;
        assert_eq!(all, [3, 4]);
    }
}
