import type { SmtpServer } from '../../db/schema/notifications.js';
import { bodyError, type FieldError } from '../../errors.js';
import type { PutSettings } from './notifications.schemas.js';

/** A channel's SMTP server as a PUT gives it (fields, or one `smtp://` URL), made one shape. Pure. */

export interface SmtpGiven {
  server: SmtpServer;
  /** undefined: not given (keep the stored one); null: remove it. */
  password: string | null | undefined;
}

type Input = NonNullable<PutSettings['smtp']>;

const decode = (part: string) => {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
};

function fromUrl(input: Input, raw: string): SmtpGiven | FieldError[] {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return [bodyError('/smtp/url', 'is not a valid URL')];
  }
  const user = decode(url.username);
  const password = decode(url.password);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '' || user === undefined || password === undefined || url.pathname.replace('/', '') !== '') {
    return [
      bodyError('/smtp/url', 'must be smtp://[user[:password]@]host[:port] or smtps://…, nothing after'),
    ];
  }
  const secure = url.protocol === 'smtps:';
  return {
    server: {
      host,
      port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
      secure,
      require_tls: input.require_tls,
      user: user === '' ? null : user,
    },
    password: password === '' ? input.password : password,
  };
}

/** The SMTP server a PUT describes, or what is wrong with how it is described. */
export function smtpGiven(input: Input): SmtpGiven | FieldError[] {
  if (input.url !== undefined) {
    if (input.host !== undefined || input.port !== undefined || input.user !== undefined) {
      return [bodyError('/smtp/url', 'give either url or host, port and user, not both')];
    }
    return fromUrl(input, input.url);
  }
  if (input.host === undefined) {
    return [bodyError('/smtp/host', 'is required (or give url)')];
  }
  return {
    server: {
      host: input.host,
      port: input.port ?? (input.secure ? 465 : 587),
      secure: input.secure,
      require_tls: input.require_tls,
      user: input.user ?? null,
    },
    password: input.password,
  };
}
