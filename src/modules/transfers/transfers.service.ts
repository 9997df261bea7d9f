import { AppError } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { cancelTransfer } from './cancel.js';
import { createTransfer } from './create.js';
import type { TransferDeps } from './deps.js';
import { receiveTransfer } from './receive.js';
import { shipTransfer } from './ship.js';
import { findTransfer, listTransfers, presentTransfer } from './transfer-store.js';
import type {
  CreateTransfer,
  ReceiveTransfer,
  ShipTransfer,
  TransferListQuery,
} from './transfers.schemas.js';

export type TransferService = ReturnType<typeof createTransferService>;

/**
 * Transfers move stock every channel sells from between locations: back-office work. A key bound to
 * a channel (a storefront's) may not see or move them, whatever its scopes.
 */
function backOffice(caller: Caller): void {
  if (caller.channel !== null) {
    throw new AppError(
      'forbidden',
      'Transfers move stock between locations for every channel: use a key not bound to a channel',
    );
  }
}

export function createTransferService(deps: TransferDeps) {
  return {
    create(input: CreateTransfer, caller: Caller) {
      backOffice(caller);
      return createTransfer(deps, input, caller);
    },
    list(query: TransferListQuery, caller: Caller) {
      backOffice(caller);
      return listTransfers(deps.db, query);
    },
    async get(id: string, caller: Caller) {
      backOffice(caller);
      return presentTransfer(await findTransfer(deps.db, id));
    },
    ship(id: string, input: ShipTransfer, caller: Caller) {
      backOffice(caller);
      return shipTransfer(deps, id, input, caller);
    },
    receive(id: string, input: ReceiveTransfer, caller: Caller) {
      backOffice(caller);
      return receiveTransfer(deps, id, input, caller);
    },
    cancel(id: string, reason: string | undefined, caller: Caller) {
      backOffice(caller);
      return cancelTransfer(deps, id, reason, caller);
    },
  };
}
