// Edit the ship-to address of an order before release; checks and allocation re-run on the server.
import { api } from '../api.js';
import { field, h } from '../dom.js';
import { act } from '../ui.js';

const parts = [
  ['name', 'Name'],
  ['company', 'Company'],
  ['line1', 'Address line 1'],
  ['line2', 'Address line 2'],
  ['city', 'City'],
  ['region', 'Region'],
  ['postal_code', 'Postal code'],
  ['country', 'Country (2 letters)'],
  ['phone', 'Phone'],
];

/** A form in place of the address; `saved(order)` is called with the order the API answers. */
export function addressForm(order, saved, cancelled) {
  const inputs = Object.fromEntries(
    parts.map(([key]) => [
      key,
      h('input', { name: key, value: order.ship_to[key] ?? '', autocomplete: 'off' }),
    ]),
  );
  inputs.line1.required = true;
  inputs.country.required = true;
  inputs.country.pattern = '[A-Za-z]{2}';
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save address');
  const submit = (event) => {
    event.preventDefault();
    // Coordinates are left out: the new address is placed again from its postal code.
    const ship_to = Object.fromEntries(
      parts.map(([key]) => [key, inputs[key].value.trim()]).filter(([, value]) => value !== ''),
    );
    ship_to.country = ship_to.country?.toUpperCase();
    act(save, () => api(`/orders/${order.id}`, { method: 'PATCH', body: { ship_to } }), {
      done: 'Address saved; the order was checked and routed again',
      after: saved,
    });
  };
  return h(
    'form',
    { class: 'address-form', onsubmit: submit, 'aria-label': 'Ship-to address' },
    parts.map(([key, label]) => field(label, inputs[key])),
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: cancelled }, 'Back'), save),
  );
}
