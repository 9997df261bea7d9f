import Type from 'typebox';
import { Locale, Text } from '../../http/fields.js';

/** The customer of an order, as capture takes it and every order view shows it. */
export const Customer = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    name: Type.Optional(Text(200)),
    phone: Type.Optional(Text(40)),
    locale: Type.Optional(
      Locale('Language of the customer’s notifications (`fr-CA`); unset: the channel’s default locale'),
    ),
  },
  { additionalProperties: false },
);
