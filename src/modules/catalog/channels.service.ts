import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import { channels } from '../../db/schema/index.js';
import { AppError, conflict, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import type { Channel, CreateChannel, UpdateChannel } from './channels.schemas.js';

type ChannelRow = typeof channels.$inferSelect;

const present = (row: ChannelRow): Channel => ({
  code: row.code,
  name: row.name,
  priority: row.priority,
  default_safety_stock: row.defaultSafetyStock,
  allow_backorders: row.allowBackorders,
  held_reservation_minutes: row.heldReservationMinutes,
  release_delay_minutes: row.releaseDelayMinutes,
  return_policy: row.returnPolicy,
  active: row.active,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

async function updateChannel(
  db: Db,
  code: string,
  changes: Partial<typeof channels.$inferInsert>,
): Promise<Channel> {
  const [row] = await db
    .update(channels)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(channels.code, code))
    .returning();
  if (!row) {
    throw notFound(`Channel ${code}`);
  }
  return present(row);
}

async function createChannel(db: Db, input: CreateChannel): Promise<Channel> {
  const [row] = await db
    .insert(channels)
    .values({
      code: input.code,
      name: input.name,
      priority: input.priority,
      defaultSafetyStock: input.default_safety_stock,
      allowBackorders: input.allow_backorders,
      heldReservationMinutes: input.held_reservation_minutes,
      releaseDelayMinutes: input.release_delay_minutes,
      returnPolicy: input.return_policy,
      active: input.active,
    })
    .onConflictDoNothing({ target: channels.code })
    .returning();
  if (!row) {
    throw conflict(`A channel with code "${input.code}" already exists`);
  }
  return present(row);
}

async function getChannel(db: Db, code: string): Promise<Channel> {
  const [row] = await db.select().from(channels).where(eq(channels.code, code));
  if (!row) {
    throw notFound(`Channel ${code}`);
  }
  return present(row);
}

interface ChannelListQuery {
  limit: number;
  cursor?: string;
  active?: boolean;
}

async function listChannels(db: Db, query: ChannelListQuery, caller: Caller): Promise<Page<Channel>> {
  const after = decodeCursor(query.cursor, ['number']);
  const rows = await db
    .select()
    .from(channels)
    .where(
      and(
        query.active === undefined ? undefined : eq(channels.active, query.active),
        caller.channel === null ? undefined : eq(channels.code, caller.channel),
        after ? gt(channels.id, Number(after[0])) : undefined,
      ),
    )
    .orderBy(asc(channels.id))
    .limit(query.limit + 1);
  return toPage(rows, query.limit, (row) => [row.id], present);
}

async function resolveCodes(tx: Executor, codes: readonly string[]) {
  const rows =
    codes.length === 0
      ? []
      : await tx
          .select({ id: channels.id, code: channels.code })
          .from(channels)
          .where(inArray(channels.code, [...codes]));
  const ids = new Map(rows.map((row) => [row.code, row.id]));
  return { ids, unknown: codes.filter((code) => !ids.has(code)) };
}

/**
 * A key bound to a channel sees and changes only that channel: another one does not exist for it
 * (404), and it cannot create channels (403).
 */
function assertVisible(caller: Caller, code?: string): void {
  if (caller.channel === null) {
    return;
  }
  if (code === undefined) {
    throw new AppError('forbidden', `A key bound to channel "${caller.channel}" cannot create channels`);
  }
  if (code !== caller.channel) {
    throw notFound(`Channel ${code}`);
  }
}

export type ChannelService = ReturnType<typeof createChannelService>;

export function createChannelService({ db }: { db: Db }) {
  return {
    create: (input: CreateChannel, caller: Caller) => {
      assertVisible(caller);
      return createChannel(db, input);
    },
    get: (code: string, caller: Caller) => {
      assertVisible(caller, code);
      return getChannel(db, code);
    },
    list: (query: ChannelListQuery, caller: Caller) => listChannels(db, query, caller),
    update: (code: string, input: UpdateChannel, caller: Caller) => {
      assertVisible(caller, code);
      return updateChannel(db, code, {
        name: input.name,
        priority: input.priority,
        defaultSafetyStock: input.default_safety_stock,
        allowBackorders: input.allow_backorders,
        heldReservationMinutes: input.held_reservation_minutes,
        releaseDelayMinutes: input.release_delay_minutes,
        returnPolicy: input.return_policy,
        active: input.active,
      });
    },
    deactivate: (code: string, caller: Caller) => {
      assertVisible(caller, code);
      return updateChannel(db, code, { active: false });
    },
    /** Ids of the given channel codes; the codes that do not exist are returned separately. */
    resolveCodes: (codes: readonly string[], tx: Executor = db) => resolveCodes(tx, codes),
  };
}
