/** Why a customer sends units back; a channel's return policy names the ones that need review. */
export const returnReasons = [
  'damaged',
  'defective',
  'wrong_item',
  'not_as_described',
  'size_or_fit',
  'no_longer_needed',
  'arrived_late',
  'other',
] as const;
