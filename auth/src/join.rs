//! Running independent lookups at the same time without an executor of
//! our own: two futures polled together until both are done.

use std::{
    future::{Future, poll_fn},
    pin::pin,
    task::Poll,
};

/// Both outputs, the futures polled concurrently on the caller's task.
pub async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let mut a = pin!(a);
    let mut b = pin!(b);
    let mut out_a = None;
    let mut out_b = None;
    poll_fn(|cx| {
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
    .await
}

/// Every output of `futures`, in order, all polled concurrently.
pub async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    poll_fn(|cx| {
        let mut pending = false;
        for (future, out) in futures.iter_mut().zip(outputs.iter_mut()) {
            if out.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(v) => *out = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
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
