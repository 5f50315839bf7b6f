/** hekad's version: the Heka release whose behaviour it matches. */
export const VERSION = '0.10.0';
