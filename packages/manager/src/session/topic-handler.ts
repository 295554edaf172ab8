/**
 * The session's own subscribers (`session.subscribe`, the `topics` option): a bounded mailbox in front of
 * the handler, or nothing for a subscription without a handler.
 * @module
 */
import { Mailbox, type MailboxSink } from '../routing/mailbox.js';
import type { MessageHandler, SessionMessage } from './message.js';
import type { Session } from './session.js';
import type { Consumer } from './subscriptions.js';

/** @internal A session's own subscriber (`session.subscribe`, `topics`): a bounded mailbox, or nothing without a handler. */
export class TopicHandler implements Consumer, MailboxSink {
  /** The topic filter it was subscribed with. */
  readonly filter: string;
  /** The owning session. */
  readonly session: Session;
  /** The handler's buffer; undefined without a handler. */
  readonly mailbox: Mailbox | undefined;

  /**
   * @param session - the owning session
   * @param filter - topic filter
   * @param handler - the handler, if any
   * @param capacity - buffer bound, messages
   */
  constructor(session: Session, filter: string, handler: MessageHandler | undefined, capacity: number) {
    this.session = session;
    this.filter = filter;
    this.mailbox = handler === undefined ? undefined : new Mailbox(capacity, 'backpressure', this, handler);
  }

  /** {@inheritDoc Consumer.accept} */
  accept(message: SessionMessage): Promise<void> | undefined {
    return this.mailbox === undefined ? undefined : this.mailbox.offer(message);
  }

  /** {@inheritDoc MailboxSink.delivered} */
  delivered(): void {}

  /** {@inheritDoc MailboxSink.dropped} */
  dropped(): void {}

  /** {@inheritDoc MailboxSink.failed} */
  failed(error: unknown, message: SessionMessage): void {
    this.session.handlerFailed(error, message.topic);
  }
}
