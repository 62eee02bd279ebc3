import { filtersOverlap, publishTopicProblem, sharedFilter, splitShared, topicFilterProblem } from './topic-filter.js';

describe('topicFilterProblem', () => {
  it.each([
    'scada/#',
    '#',
    '+',
    'scada/+/temperature',
    'scada/+/+',
    '+/+/#',
    'scada/UNIT001/status',
    'a//b',
    '/leading',
    '$SYS/#',
    '$share/group/scada/#',
    '$share/g-1/+/x',
    'unité/température',
    'x'.repeat(256),
  ])('accepts %p', (filter) => {
    expect(topicFilterProblem(filter)).toBeUndefined();
  });

  it.each([
    ['', 'must not be empty'],
    ['scada/#/x', "'#' must be a whole level and the last one"],
    ['scada#', "'#' must be a whole level"],
    ['scada/temp#', "'#' must be a whole level"],
    ['##', "'#' must be a whole level"],
    ['scada/+x/temperature', "'+' must be a whole level"],
    ['scada/x+', "'+' must be a whole level"],
    ['++', "'+' must be a whole level"],
    ['x'.repeat(257), 'at most 256 bytes'],
    ['é'.repeat(129), 'at most 256 bytes'],
    ['scada/\u0000/x', 'control characters'],
    ['scada/\n', 'control characters'],
    ['scada/\ud800', 'valid UTF-8'],
    ['$share/', 'a shared subscription is'],
    ['$share//scada/#', 'a shared subscription is'],
    ['$share/g+/scada/#', 'a shared subscription is'],
    ['$share/group', 'no filter after its group'],
    ['$share/group/', 'no filter after its group'],
    ['$share/group/scada/#/x', "'#' must be a whole level"],
  ])('refuses %p', (filter, problem) => {
    expect(topicFilterProblem(filter)).toContain(problem);
  });
});

describe('publishTopicProblem', () => {
  it.each(['scada/UNIT001/temperature', 'scada/UNIT001/status', 'a//b', 'x'])('accepts %p', (topic) => {
    expect(publishTopicProblem(topic)).toBeUndefined();
  });

  it.each([
    ['', 'must not be empty'],
    ['scada/+/temperature', 'must not contain the wildcards'],
    ['scada/#', 'must not contain the wildcards'],
    ['scada/a#b', 'must not contain the wildcards'],
    ['$SYS/broker/load', 'reserved for the broker'],
    ['$share/g/scada/x', 'reserved for the broker'],
    ['scada/\u0007', 'control characters'],
    ['t'.repeat(300), 'at most 256 bytes'],
  ])('refuses %p', (topic, problem) => {
    expect(publishTopicProblem(topic)).toContain(problem);
  });
});

describe('shared subscriptions', () => {
  it('splits and builds $share/{group}/{filter}', () => {
    expect(splitShared('$share/g1/scada/#')).toEqual({ group: 'g1', filter: 'scada/#' });
    expect(splitShared('scada/#')).toEqual({ filter: 'scada/#' });
    expect(sharedFilter('scada/#', 'g1')).toBe('$share/g1/scada/#');
    expect(sharedFilter('scada/#', undefined)).toBe('scada/#');
  });
});

describe('filtersOverlap', () => {
  it.each([
    ['scada/#', 'scada/UNIT001/temperature'],
    ['scada/#', 'scada'],
    ['scada/#', 'scada/+/+'],
    ['scada/+/temperature', 'scada/UNIT001/+'],
    ['+/+/+', 'scada/UNIT001/status'],
    ['#', 'anything/at/all'],
    ['a/b', 'a/b'],
    ['$share/g/scada/#', 'scada/UNIT001/+'],
    ['$share/g/scada/#', '$share/h/scada/x'],
    ['$SYS/#', '$SYS/broker/+'],
  ])('%p and %p can match the same topic', (a, b) => {
    expect(filtersOverlap(a, b)).toBe(true);
    expect(filtersOverlap(b, a)).toBe(true);
  });

  it.each([
    ['scada/#', 'other/#'],
    ['scada/+/temperature', 'scada/+/pressure'],
    ['scada/+', 'scada/+/+'],
    ['a/b', 'a/b/c'],
    ['scada/#', 'scadax/UNIT001/temperature'],
    ['#', '$SYS/broker/load'],
    ['+/broker/load', '$SYS/broker/load'],
    ['$share/g/#', '$SYS/#'],
  ])('%p and %p never match the same topic', (a, b) => {
    expect(filtersOverlap(a, b)).toBe(false);
    expect(filtersOverlap(b, a)).toBe(false);
  });
});
