import { UnrecoverableError, type Job } from 'bullmq';
import {
  buyerMonthlyDigest,
  freezeMonthlyUnitSnapshot,
  officeWeeklyDigest,
  remindAutoAcceptSoon,
  remindExpiringPurchases,
  unitsBehindPaceNotice,
  type Db,
} from '@shanhai/db';
import { NotifyScheduleJob } from '@shanhai/domain';

/**
 * Scheduled notifications: the hourly reminders, the two digests and the monthly behind-pace notice. Each names its event (a
 * purchase, an order, a period), so a job run twice, or by two workers at once, tells once. Also the monthly 通报
 * (the unit ranking frozen for last month), one per month in the same way.
 */
export async function processNotifySchedule(db: Db, job: Pick<Job, 'data' | 'id'>, now = new Date()) {
  const parsed = NotifyScheduleJob.safeParse(job.data);
  // A malformed payload will be malformed on every retry: fail it for good.
  if (!parsed.success) throw new UnrecoverableError(`malformed notify-schedule job ${job.id}: ${parsed.error.message}`);
  const data = parsed.data;
  switch (data.task) {
    case 'reminders':
      return {
        expiring: await remindExpiringPurchases(db, now),
        autoAcceptSoon: await remindAutoAcceptSoon(db, now),
      };
    case 'office-weekly-digest':
      return officeWeeklyDigest(db, data.period, now);
    case 'buyer-monthly-digest':
      return buyerMonthlyDigest(db, data.period, now);
    case 'units-behind-pace':
      return unitsBehindPaceNotice(db, data.period, now);
    case 'units-monthly-snapshot':
      return freezeMonthlyUnitSnapshot(db, data.period, now);
  }
}
