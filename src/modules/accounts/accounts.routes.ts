import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { callerOf } from '../../http/auth.js';
import { Page, pageQuery } from '../../http/pagination.js';
import {
  AccountListQuerySchema,
  AccountParamsSchema,
  AccountSchema,
  CreateAccountSchema,
  InvoiceListQuerySchema,
  InvoiceSchema,
  PaymentRecordedSchema,
  PaymentSchema,
  RecordPaymentSchema,
  UpdateAccountSchema,
} from './accounts.schemas.js';
import type { AccountService } from './accounts.service.js';

const tags = ['Accounts'];
const write = { scope: 'accounts:write' as const };
const read = { scope: 'accounts:read' as const };
const account = (description: string) => ({ ...AccountSchema, description });
const backOffice =
  ' A key bound to a channel gets a 403 on the collection and a 404 for any one account: accounts are back-office work (it may still place orders for an account).';
const maxListPage = { maxPageItems: 100 };

const createAccountRoute = {
  config: write,
  schema: {
    operationId: 'createAccount',
    tags,
    summary: 'Open a B2B account: a company, its buyers, payment terms and credit limit',
    description: `422 naming each bad field: unknown terms or limit mode, a negative credit limit or grace period, a currency that is not ISO 4217. A code in use is a 409. Emits \`account.created\`.${backOffice}`,
    body: CreateAccountSchema,
    response: { 201: account('The new account, with its exposure') },
  },
};

const listAccountsRoute = {
  config: { ...read, ...maxListPage },
  schema: {
    operationId: 'listAccounts',
    tags,
    summary: 'List accounts by code, each with its exposure',
    description: backOffice.trim(),
    querystring: Type.Object({ ...pageQuery, ...AccountListQuerySchema.properties }),
    response: { 200: { ...Page(AccountSchema), description: 'A page of accounts' } },
  },
};

const getAccountRoute = {
  config: read,
  schema: {
    operationId: 'getAccount',
    tags,
    summary: 'Get an account with its exposure: invoiced and unpaid, open orders, available credit, overdue',
    description: backOffice.trim(),
    params: AccountParamsSchema,
    response: { 200: account('The account') },
  },
};

const updateAccountRoute = {
  config: write,
  schema: {
    operationId: 'updateAccount',
    tags,
    summary: 'Change an account’s terms, credit limit, mode, grace period, priority, buyers or status',
    description: `Code and currency cannot change. \`buyers\` replaces the list. New terms apply to orders placed after the change; an order keeps the terms it was placed on. Credit holds the change makes moot (a higher limit, \`warn\` or \`ignore\`, a longer grace period) are released, oldest first while they fit, and their orders go on to allocation. Emits \`account.updated\`.${backOffice}`,
    params: AccountParamsSchema,
    body: UpdateAccountSchema,
    response: { 200: account('The account as changed') },
  },
};

const listInvoicesRoute = {
  config: { ...read, ...maxListPage },
  schema: {
    operationId: 'listAccountInvoices',
    tags,
    summary: 'List an account’s invoices, newest first',
    description: `An invoice is raised when units of an order on terms ship, for what they cost, due by the order's terms (\`net_N\`: N days after the ship date; \`due_on_fulfillment\`: the ship date; UTC days).${backOffice}`,
    params: AccountParamsSchema,
    querystring: Type.Object({ ...pageQuery, ...InvoiceListQuerySchema.properties }),
    response: { 200: { ...Page(InvoiceSchema), description: 'A page of invoices' } },
  },
};

const recordPaymentRoute = {
  config: write,
  schema: {
    operationId: 'recordAccountPayment',
    tags,
    summary: 'Record a payment from an account; credit holds that no longer apply are released',
    description: `The payment pays the invoices named in \`invoices\` in that order, or else the unpaid invoices oldest due first; what is left stays unapplied and pays the next invoices raised. Then the account's orders on a credit hold are released, oldest first while they fit under the limit (none while an invoice is still overdue past the grace period), and go on to allocation. A \`reference\` recorded before for this account answers with that payment (200) when amount, currency and note are the same, and is a 409 otherwise. 422 naming the field: an amount below 1, a currency other than the account's, an invoice number that is not the account's. Emits \`account.payment_recorded\` and \`invoice.paid\` for each invoice paid in full.${backOffice}`,
    params: AccountParamsSchema,
    body: RecordPaymentSchema,
    response: {
      201: {
        ...PaymentRecordedSchema,
        description: 'The payment as applied, the holds it released, the exposure after',
      },
      200: { ...PaymentRecordedSchema, description: 'The payment recorded before under this reference' },
    },
  },
};

const listPaymentsRoute = {
  config: { ...read, ...maxListPage },
  schema: {
    operationId: 'listAccountPayments',
    tags,
    summary: 'List an account’s payments, newest first, with the invoices each paid',
    description: backOffice.trim(),
    params: AccountParamsSchema,
    querystring: Type.Object(pageQuery),
    response: { 200: { ...Page(PaymentSchema), description: 'A page of payments' } },
  },
};

export const accountRoutes: FastifyPluginAsyncTypebox<{ accounts: AccountService }> = async (
  app,
  { accounts },
) => {
  app.post('/accounts', createAccountRoute, async (request, reply) =>
    reply.code(201).send(await accounts.create(request.body, callerOf(request))),
  );
  app.get('/accounts', listAccountsRoute, async (request) => accounts.list(request.query, callerOf(request)));
  app.get('/accounts/:id', getAccountRoute, async (request) =>
    accounts.get(request.params.id, callerOf(request)),
  );
  app.patch('/accounts/:id', updateAccountRoute, async (request) =>
    accounts.update(request.params.id, request.body, callerOf(request)),
  );
  app.get('/accounts/:id/invoices', listInvoicesRoute, async (request) =>
    accounts.invoices(request.params.id, request.query, callerOf(request)),
  );
  app.post('/accounts/:id/payments', recordPaymentRoute, async (request, reply) => {
    const { view, created } = await accounts.recordPayment(
      request.params.id,
      request.body,
      callerOf(request),
    );
    return reply.code(created ? 201 : 200).send(view);
  });
  app.get('/accounts/:id/payments', listPaymentsRoute, async (request) =>
    accounts.payments(request.params.id, request.query, callerOf(request)),
  );
};
