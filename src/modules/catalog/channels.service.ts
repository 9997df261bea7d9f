import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import { channels } from '../../db/schema/index.js';
import { conflict, notFound } from '../../errors.js';
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

async function listChannels(db: Db, query: ChannelListQuery): Promise<Page<Channel>> {
  const after = decodeCursor(query.cursor, ['number']);
  const rows = await db
    .select()
    .from(channels)
    .where(
      and(
        query.active === undefined ? undefined : eq(channels.active, query.active),
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

export type ChannelService = ReturnType<typeof createChannelService>;

export function createChannelService({ db }: { db: Db }) {
  return {
    create: (input: CreateChannel) => createChannel(db, input),
    get: (code: string) => getChannel(db, code),
    list: (query: ChannelListQuery) => listChannels(db, query),
    update: (code: string, input: UpdateChannel) =>
      updateChannel(db, code, {
        name: input.name,
        priority: input.priority,
        defaultSafetyStock: input.default_safety_stock,
        allowBackorders: input.allow_backorders,
        heldReservationMinutes: input.held_reservation_minutes,
        releaseDelayMinutes: input.release_delay_minutes,
        returnPolicy: input.return_policy,
        active: input.active,
      }),
    deactivate: (code: string) => updateChannel(db, code, { active: false }),
    /** Ids of the given channel codes; the codes that do not exist are returned separately. */
    resolveCodes: (codes: readonly string[], tx: Executor = db) => resolveCodes(tx, codes),
  };
}
