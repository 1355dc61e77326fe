/** moto (Python's AWS emulator) for the AWS-adapter benchmark variant: the test helper, shared. */
export { startMoto, motoAvailable, type Moto } from '../../test/helpers/moto';
