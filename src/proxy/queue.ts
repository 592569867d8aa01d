/**
 * Pending-connection queues (HAProxy's pendconn, src/queue.c). Each server and
 * each backend has one FIFO. The waiting object itself is the list node, so
 * queueing allocates nothing. Arrival order across a server queue and its
 * backend queue is kept by a per-backend sequence number: the dequeuer takes
 * the oldest of the two heads, as pendconn_process_next_strm() does.
 */

export interface QueueNode {
  qPrev: QueueNode | null;
  qNext: QueueNode | null;
  /** The queue the node is in, or null. */
  qOwner: PendQueue | null;
  /** Arrival order within the backend. */
  qSeq: number;
}

export class PendQueue {
  private head: QueueNode | null = null;
  private tail: QueueNode | null = null;
  length = 0;

  push(node: QueueNode, seq: number): void {
    node.qSeq = seq;
    node.qOwner = this;
    node.qNext = null;
    node.qPrev = this.tail;
    if (this.tail) this.tail.qNext = node;
    else this.head = node;
    this.tail = node;
    this.length++;
  }

  first(): QueueNode | null {
    return this.head;
  }

  /** Unlinks `node`; no-op when it is not in this queue. */
  remove(node: QueueNode): void {
    if (node.qOwner !== this) return;
    if (node.qPrev) node.qPrev.qNext = node.qNext;
    else this.head = node.qNext;
    if (node.qNext) node.qNext.qPrev = node.qPrev;
    else this.tail = node.qPrev;
    node.qPrev = null;
    node.qNext = null;
    node.qOwner = null;
    this.length--;
  }

  shift(): QueueNode | null {
    const node = this.head;
    if (node) this.remove(node);
    return node;
  }
}
